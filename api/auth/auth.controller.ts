import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Public } from '../common/auth/principal';
import { AuthService } from './auth.service';
import { Client, ClientMeta } from './client-meta';
import { LoginDto, LoginResultDto, RefreshDto, RegisterDto, RegisterResultDto, TokenPairDto } from './dto/auth.dto';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /** Creates a member account, mails a verification token, and logs the new user in. */
  @Public()
  @Post('register')
  register(@Body() dto: RegisterDto, @Client() client: ClientMeta): Promise<RegisterResultDto> {
    return this.auth.register(dto, client);
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
}
