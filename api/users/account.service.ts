import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { User } from '../../shared/persistence/entities';
import { hashPassword, verifyPassword } from '../../shared/security/password-hasher';
import type { Principal } from '../common/auth/principal';
import { Problems } from '../common/problem/problem.exception';
import type { DeleteMeDto, UpdateMeDto } from './dto/me.dto';
import { UserDto } from './dto/user.dto';
import { UserLifecycle } from './user-lifecycle.service';

/** The caller's own account: /users/me. */
@Injectable()
export class AccountService {
  constructor(
    private readonly em: EntityManager,
    private readonly lifecycle: UserLifecycle,
  ) {}

  async get(principal: Principal): Promise<UserDto> {
    // An access token's principal carries the row read (or cached) with its session check.
    return UserDto.from(principal.account ?? (await this.em.findOneOrFail(User, principal.userId)));
  }

  async update(principal: Principal, dto: UpdateMeDto): Promise<UserDto> {
    const user = await this.em.findOneOrFail(User, principal.userId);
    if (dto.newPassword !== undefined) {
      await this.checkPassword(user, dto.currentPassword!, 'currentPassword');
      user.passwordHash = await hashPassword(dto.newPassword);
    }
    if (dto.name !== undefined) user.name = dto.name;
    await this.em.flush();
    // A changed password ends every other login: whoever knew the old one is out.
    if (dto.newPassword !== undefined) await this.lifecycle.revokeSessions(this.em, user.id, 'password-changed', principal.sessionId);
    return UserDto.from(user);
  }

  async remove(principal: Principal, dto: DeleteMeDto): Promise<void> {
    await this.lifecycle.withAdminSetLock(async (em) => {
      const user = await em.findOneOrFail(User, principal.userId);
      await this.checkPassword(user, dto.password, 'password');
      await this.lifecycle.assertNotLastAdmin(em, user);
      await this.lifecycle.softDelete(em, user);
    });
  }

  // 403, not 401: the credential is fine, and clients treat 401 as "log out".
  private async checkPassword(user: User, password: string, field: string): Promise<void> {
    if (!(await verifyPassword(user.passwordHash, password))) {
      throw Problems.forbidden(`${field} is not the account's current password`);
    }
  }
}
