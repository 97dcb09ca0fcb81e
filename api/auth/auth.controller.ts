import { Body, Controller, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Public } from '../common/auth/principal';
import { AuthService } from './auth.service';
import { Client, ClientMeta } from './client-meta';
import {
  CurrentSessionDto,
  ForgotPasswordDto,
  ForgotPasswordResultDto,
  LoginDto,
  LoginResultDto,
  RefreshDto,
  RegisterDto,
  RegisterResultDto,
  ResetPasswordDto,
  TokenPairDto,
  VerifyEmailDto,
} from './dto/auth.dto';
import { EmailVerification } from './email-verification.service';
import { PasswordReset } from './password-reset.service';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly verification: EmailVerification,
    private readonly passwords: PasswordReset,
  ) {}

  /**
   * Creates a member account and mails a verification token; then log in. A known address gets the
   * same answer (its owner is mailed instead), so this cannot be used to find who has an account.
   */
  @Public()
  @Post('register')
  @HttpCode(HttpStatus.ACCEPTED)
  register(@Body() dto: RegisterDto): Promise<RegisterResultDto> {
    return this.auth.register(dto);
  }

  /** Email and password. Rate-limited per account and per IP (429 with Retry-After). */
  @Public()
  @Post('login')
  @HttpCode(HttpStatus.OK)
  login(@Body() dto: LoginDto, @Client() client: ClientMeta): Promise<LoginResultDto> {
    return this.auth.login(dto, client);
  }

  /** Exchanges a refresh token for a new pair (rotation; reuse revokes the session). */
  @Public()
  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  refresh(@Body() dto: RefreshDto, @Client() client: ClientMeta): Promise<TokenPairDto> {
    return this.auth.refresh(dto.refreshToken, client);
  }

  /** Ends the current session: its access and refresh tokens stop working at once. */
  @ApiBearerAuth()
  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  logout(@CurrentPrincipal() principal: Principal): Promise<void> {
    return this.auth.logout(principal);
  }

  /** The caller and the session its access token belongs to. */
  @ApiBearerAuth()
  @Get('session')
  session(@CurrentPrincipal() principal: Principal): Promise<CurrentSessionDto> {
    return this.auth.current(principal);
  }

  /** Marks the email verified with the mailed token (single use, expires). */
  @Public()
  @Post('verify-email')
  @HttpCode(HttpStatus.NO_CONTENT)
  verifyEmail(@Body() dto: VerifyEmailDto): Promise<void> {
    return this.verification.verify(dto.token);
  }

  /** Mails a new verification token to the caller; earlier tokens stop working. */
  @ApiBearerAuth()
  @Post('verify-email/resend')
  @HttpCode(HttpStatus.NO_CONTENT)
  resendVerification(@CurrentPrincipal() principal: Principal): Promise<void> {
    return this.verification.resend(principal);
  }

  /** Mails a reset token if an active account has this email. Always 202, so accounts cannot be probed. */
  @Public()
  @Post('forgot-password')
  @HttpCode(HttpStatus.ACCEPTED)
  forgotPassword(@Body() dto: ForgotPasswordDto): Promise<ForgotPasswordResultDto> {
    return this.passwords.request(dto.email);
  }

  /** Sets a new password with the mailed token; every session of the account is revoked. */
  @Public()
  @Post('reset-password')
  @HttpCode(HttpStatus.NO_CONTENT)
  resetPassword(@Body() dto: ResetPasswordDto): Promise<void> {
    return this.passwords.reset(dto.token, dto.password);
  }
}
