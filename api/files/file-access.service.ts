import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { StoredFile } from '../../shared/persistence/entities';
import type { Principal } from '../common/auth/principal';
import { Problems } from '../common/problem/problem.exception';

/** The one place that decides whether a file id is the caller's: someone else's and missing are the same 404. */
@Injectable()
export class FileAccess {
  constructor(private readonly em: EntityManager) {}

  async owned(principal: Principal, id: string): Promise<StoredFile> {
    const file = await this.em.findOne(StoredFile, { id, owner: principal.userId });
    if (!file) throw Problems.notFound('File');
    return file;
  }
}
