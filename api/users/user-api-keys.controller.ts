import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal } from '../common/auth/principal';
import { CursorPageQuery } from '../common/pagination/cursor-page';
import { UUID, UUID_OR_ME } from '../common/pipes/uuid-param.pipe';
import { ApiKeyPageDto, CreateApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto';
import { ApiKeysService } from './api-keys.service';

/** `:id` is a user id or `me`; someone else's needs users:manage (otherwise 404). */
@ApiTags('users')
@ApiBearerAuth()
@Controller('users/:id/api-keys')
export class UserApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  /** Keys, newest first, revoked ones included; the secret is never shown again. */
  @Get()
  list(@CurrentPrincipal() principal: Principal, @Param('id', UUID_OR_ME) id: string, @Query() query: CursorPageQuery): Promise<ApiKeyPageDto> {
    return this.keys.list(principal, id, query);
  }

  /** Creates a key; the response is the only time the whole key is shown. */
  @Post()
  create(@CurrentPrincipal() principal: Principal, @Param('id', UUID_OR_ME) id: string, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    return this.keys.create(principal, id, dto);
  }

  @Delete(':kid')
  @HttpCode(HttpStatus.NO_CONTENT)
  revoke(@CurrentPrincipal() principal: Principal, @Param('id', UUID_OR_ME) id: string, @Param('kid', UUID) kid: string): Promise<void> {
    return this.keys.revoke(principal, id, kid);
  }
}
