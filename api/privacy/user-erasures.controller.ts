import { Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Permission } from '../../shared/domain/roles';
import { CurrentPrincipal, Principal, RequirePermissions } from '../common/auth/principal';
import { UUID } from '../common/pipes/uuid-param.pipe';
import { UserErasureDto } from './dto/privacy.dto';
import { UserErasuresService } from './user-erasures.service';

/** Admin side of account erasure; the self-service side is DELETE /users/me?erase=true. */
@ApiTags('privacy')
@ApiBearerAuth()
@RequirePermissions(Permission.UsersManage)
@Controller('admin')
export class UserErasuresController {
  constructor(private readonly erasures: UserErasuresService) {}

  /** Starts (or re-runs) the `user-erasure:<id>` workflow: every store, audit trail pseudonymised. */
  @Post('users/:id/erase')
  @HttpCode(HttpStatus.ACCEPTED)
  erase(@CurrentPrincipal() principal: Principal, @Param('id', UUID) id: string): Promise<UserErasureDto> {
    return this.erasures.eraseUser(principal, id);
  }

  /** What the erasure of user `id` removed, per store (live while running). */
  @Get('erasures/:id')
  get(@Param('id', UUID) id: string): Promise<UserErasureDto> {
    return this.erasures.get(id);
  }
}
