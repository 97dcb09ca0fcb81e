import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Permission } from '../../shared/domain/roles';
import { User } from '../../shared/persistence/entities';
import { hasPermission, type Principal } from '../common/auth/principal';
import { Problems } from '../common/problem/problem.exception';

/**
 * Whose sessions and keys a caller may touch: their own (with self:manage), anyone's with
 * users:manage. Someone else's id without it is 404, exactly like an id that does not exist.
 */
@Injectable()
export class UserScope {
  constructor(private readonly em: EntityManager) {}

  async resolve(principal: Principal, idOrMe: string): Promise<User> {
    const id = idOrMe === 'me' ? principal.userId : idOrMe;
    if (id === principal.userId) {
      if (!hasPermission(principal, Permission.SelfManage)) throw Problems.forbidden(`Missing permission: ${Permission.SelfManage}`);
    } else if (!hasPermission(principal, Permission.UsersManage)) {
      throw Problems.notFound('User');
    }
    const user = await this.em.findOne(User, id);
    if (!user) throw Problems.notFound('User');
    return user;
  }
}
