import { Controller, Get, HttpStatus, Param, Query, Redirect } from '@nestjs/common';
import { ApiResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../../common/auth/principal';
import { Client, ClientMeta } from '../client-meta';
import { LoginResultDto } from '../dto/auth.dto';
import { OAuthCallbackQueryDto, OAuthProviderListDto } from '../dto/oauth.dto';
import { OAuthService } from './oauth.service';

@ApiTags('auth')
@Public()
@Controller('auth/oauth')
export class OAuthController {
  constructor(private readonly oauth: OAuthService) {}

  /** The configured OpenID Connect providers (OIDC_PROVIDERS). */
  @Get('providers')
  providers(): OAuthProviderListDto {
    return this.oauth.providers();
  }

  /** 302 to the provider's authorization endpoint (PKCE S256, state and nonce, valid 10 minutes). */
  @Get(':provider')
  @Redirect()
  @ApiResponse({ status: HttpStatus.FOUND, description: "Location: the provider's authorization endpoint" })
  start(@Param('provider') provider: string): Promise<{ url: string; statusCode: number }> {
    return this.oauth.start(provider);
  }

  /** The provider redirects here: the code is exchanged, the ID token checked, and a token pair returned. */
  @Get(':provider/callback')
  callback(@Param('provider') provider: string, @Query() query: OAuthCallbackQueryDto, @Client() client: ClientMeta): Promise<LoginResultDto> {
    return this.oauth.callback(provider, query, client);
  }
}
