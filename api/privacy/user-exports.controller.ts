import { Controller, Get, HttpCode, HttpStatus, Param, Post, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Permission } from '../../shared/domain/roles';
import { CurrentPrincipal, Principal, RequirePermissions } from '../common/auth/principal';
import { UUID } from '../common/pipes/uuid-param.pipe';
import { UserExportDto } from './dto/privacy.dto';
import { UserExportsService } from './user-exports.service';

@ApiTags('privacy')
@ApiBearerAuth()
@RequirePermissions(Permission.SelfManage)
@Controller('users/me')
export class UserExportsController {
  constructor(private readonly exports: UserExportsService) {}

  /** Starts a `user-export:<id>` workflow collecting everything stored about the caller into a ZIP. */
  @Post('export')
  @HttpCode(HttpStatus.ACCEPTED)
  start(@CurrentPrincipal() principal: Principal): Promise<UserExportDto> {
    return this.exports.start(principal);
  }

  /** The caller's newest export that has not expired. */
  @Get('export')
  latest(@CurrentPrincipal() principal: Principal): Promise<UserExportDto> {
    return this.exports.latest(principal);
  }

  @Get('exports/:id')
  get(@CurrentPrincipal() principal: Principal, @Param('id', UUID) id: string): Promise<UserExportDto> {
    return this.exports.get(principal, id);
  }

  /** The ZIP (409 while running; 404 once expired or for anyone but the owner). */
  @Get('exports/:id/download')
  @ApiProduces('application/zip')
  download(@CurrentPrincipal() principal: Principal, @Param('id', UUID) id: string): Promise<StreamableFile> {
    return this.exports.download(principal, id);
  }
}
