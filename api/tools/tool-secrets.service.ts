import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../shared/config/app-config';
import { ToolSecret } from '../../shared/persistence/entities';
import { SecretBox } from '../../shared/security/secret-box';
import { Problems } from '../common/problem/problem.exception';
import { SECRET_NAME } from './tool-definition';

/** Values HTTP tools reference as {{secret:NAME}}: sealed at rest, written by admins, never read back over the API. */
@Injectable()
export class ToolSecretsService {
  private readonly box: SecretBox;

  constructor(
    private readonly em: EntityManager,
    config: AppConfig,
  ) {
    this.box = new SecretBox(config.DATA_ENCRYPTION_KEY);
  }

  async put(name: string, value: string): Promise<{ name: string; updatedAt: string }> {
    if (!SECRET_NAME.test(name)) throw Problems.validation([{ field: 'name', message: 'must be 1–64 characters of A-Z, a-z, 0-9, _ . -' }]);
    const sealed = this.box.seal(value);
    const now = new Date();
    await this.em
      .createQueryBuilder(ToolSecret)
      .insert({ name, sealed, createdAt: now, updatedAt: now })
      .onConflict('name')
      .merge(['sealed', 'updatedAt'])
      .execute();
    return { name, updatedAt: now.toISOString() };
  }
}
