import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { permissionsOf, ROLE_PERMISSIONS } from '../../shared/domain/roles';
import { ApiKey, UserStatus } from '../../shared/persistence/entities';
import { generateApiKey } from '../common/auth/api-key-format';
import type { Principal } from '../common/auth/principal';
import { CursorPageQuery, afterCursor, decodeCursor, toPage } from '../common/pagination/cursor-page';
import { Problems } from '../common/problem/problem.exception';
import { ApiKeyDto, ApiKeyPageDto, CreateApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto';
import { UserScope } from './user-scope.service';

const DAY_MS = 86_400_000;
const MAX_LIVE_KEYS_PER_USER = 50;

/** API keys: shown once at creation, stored hashed, narrowed by scopes, revocable at once. */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly em: EntityManager,
    private readonly scope: UserScope,
  ) {}

  async list(principal: Principal, idOrMe: string, query: CursorPageQuery): Promise<ApiKeyPageDto> {
    const user = await this.scope.resolve(principal, idOrMe);
    const rows = await this.em.find(
      ApiKey,
      { user: user.id, ...afterCursor(decodeCursor(query.cursor)) },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: query.limit + 1 },
    );
    return toPage(rows, query.limit, ApiKeyDto.from);
  }

  async create(principal: Principal, idOrMe: string, dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    const user = await this.scope.resolve(principal, idOrMe);
    if (user.status !== UserStatus.Active) throw Problems.conflict(`The user is ${user.status}; API keys cannot be created`);
    const scopes = dto.scopes ?? ['*'];
    this.checkScopes(principal, user.role, scopes);
    const expiresAt = this.expiryOf(dto);
    const live = await this.em.count(ApiKey, { user: user.id, revokedAt: null, $or: [{ expiresAt: null }, { expiresAt: { $gt: new Date() } }] });
    if (live >= MAX_LIVE_KEYS_PER_USER) throw Problems.conflict(`A user can have at most ${MAX_LIVE_KEYS_PER_USER} live API keys; revoke one first`);

    const { key, prefix, hash } = generateApiKey();
    const row = this.em.create(ApiKey, { user, name: dto.name.trim(), prefix, keyHash: hash, scopes, expiresAt });
    await this.em.flush();
    return { ...ApiKeyDto.from(row), key };
  }

  /** Idempotent; the key stops authenticating on the next request. */
  async revoke(principal: Principal, idOrMe: string, keyId: string): Promise<void> {
    const user = await this.scope.resolve(principal, idOrMe);
    const key = await this.em.findOne(ApiKey, { id: keyId, user: user.id });
    if (!key) throw Problems.notFound('API key');
    await this.em.nativeUpdate(ApiKey, { id: key.id, revokedAt: null }, { revokedAt: new Date() });
  }

  private checkScopes(principal: Principal, role: string, scopes: string[]): void {
    const granted = ROLE_PERMISSIONS[role] ?? [];
    const foreign = scopes.filter((s) => s !== '*' && !granted.includes(s as never));
    if (foreign.length) {
      throw Problems.validation([{ field: 'scopes', message: `not granted by the user's role (${role}): ${foreign.join(', ')}` }]);
    }
    // A key may mint keys, but never one that can do more than itself.
    if (principal.apiKeyId) {
      const wider = [...permissionsOf(role, scopes)].filter((p) => !principal.permissions.has(p));
      if (wider.length) throw Problems.forbidden(`An API key cannot create a key with more permissions than its own: ${wider.join(', ')}`);
    }
  }

  private expiryOf(dto: CreateApiKeyDto): Date | null {
    if (dto.expiresInDays !== undefined && dto.expiresAt !== undefined) {
      throw Problems.validation([{ field: 'expiresAt', message: 'give expiresInDays or expiresAt, not both' }]);
    }
    if (dto.expiresInDays !== undefined) return new Date(Date.now() + dto.expiresInDays * DAY_MS);
    if (dto.expiresAt === undefined) return null;
    if (dto.expiresAt.getTime() <= Date.now()) throw Problems.validation([{ field: 'expiresAt', message: 'expiresAt must be in the future' }]);
    return dto.expiresAt;
  }
}
