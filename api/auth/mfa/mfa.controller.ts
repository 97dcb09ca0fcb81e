import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Permission } from '../../../shared/domain/roles';
import { CurrentPrincipal, Principal, Public, RequirePermissions } from '../../common/auth/principal';
import { Client, ClientMeta } from '../client-meta';
import { MfaDisableDto, MfaEnrollmentDto, MfaVerifyDto, MfaVerifyResultDto } from '../dto/mfa.dto';
import { MfaService } from './mfa.service';

@ApiTags('auth')
@Controller('auth/mfa')
export class MfaController {
  constructor(private readonly mfa: MfaService) {}

  /** Starts TOTP enrolment: returns a new seed, active once a code from it is sent to /auth/mfa/verify. */
  @ApiBearerAuth()
  @RequirePermissions(Permission.SelfManage)
  @Post('enable')
  @HttpCode(HttpStatus.OK)
  enable(@CurrentPrincipal() principal: Principal): Promise<MfaEnrollmentDto> {
    return this.mfa.enable(principal);
  }

  /**
   * With an access token and `{code}`: confirms enrolment and returns 10 recovery codes (shown once).
   * With `{mfaToken, code}`: finishes a login and returns a token pair. Codes never work twice.
   */
  @Public()
  @Post('verify')
  @HttpCode(HttpStatus.OK)
  verify(@CurrentPrincipal() principal: Principal | undefined, @Body() dto: MfaVerifyDto, @Client() client: ClientMeta): Promise<MfaVerifyResultDto> {
    return this.mfa.verify(principal, dto, client);
  }

  /** Turns MFA off; needs the password and a current code (or a recovery code). */
  @ApiBearerAuth()
  @RequirePermissions(Permission.SelfManage)
  @Post('disable')
  @HttpCode(HttpStatus.NO_CONTENT)
  disable(@CurrentPrincipal() principal: Principal, @Body() dto: MfaDisableDto, @Client() client: ClientMeta): Promise<void> {
    return this.mfa.disable(principal, dto.password, dto.code, client);
  }
}
