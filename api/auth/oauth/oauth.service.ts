import { Injectable, Logger } from '@nestjs/common';
import * as oidc from 'openid-client';
import { AppConfig } from '../../../shared/config/app-config';
import { API_PREFIX } from '../../common/openapi';
import { Problems } from '../../common/problem/problem.exception';
import { AuthService } from '../auth.service';
import type { ClientMeta } from '../client-meta';
import type { LoginResultDto } from '../dto/auth.dto';
import type { OAuthCallbackQueryDto, OAuthProviderListDto } from '../dto/oauth.dto';
import { OAuthStateStore } from './oauth-state.store';
import { OidcAccounts } from './oidc-accounts.service';
import { OidcProvidersRegistry } from './oidc-providers.registry';

const DEFAULT_SCOPES = ['openid', 'email', 'profile'];
const CALLBACK_PARAMS = ['code', 'state', 'iss', 'session_state', 'error', 'error_description', 'error_uri'] as const;

/** Authorization code flow with PKCE (S256), state and nonce against generic OIDC providers. */
@Injectable()
export class OAuthService {
  private readonly logger = new Logger(OAuthService.name);

  constructor(
    private readonly registry: OidcProvidersRegistry,
    private readonly states: OAuthStateStore,
    private readonly accounts: OidcAccounts,
    private readonly auth: AuthService,
    private readonly config: AppConfig,
  ) {}

  providers(): OAuthProviderListDto {
    const items = this.registry.list().map((p) => ({
      name: p.name,
      displayName: p.displayName ?? p.name,
      authorizationPath: `/${API_PREFIX}/auth/oauth/${p.name}`,
    }));
    return { items };
  }

  /** Where to send the browser; 302 from the controller. */
  async start(name: string): Promise<{ url: string; statusCode: number }> {
    const provider = this.registry.get(name);
    const configuration = await this.registry.configurationOf(provider);
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    await this.states.put(state, { provider: name, codeVerifier, nonce });
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri(name),
      scope: (provider.scopes?.length ? provider.scopes : DEFAULT_SCOPES).join(' '),
      response_type: 'code',
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.href, statusCode: 302 };
  }

  async callback(name: string, query: OAuthCallbackQueryDto, client: ClientMeta): Promise<LoginResultDto> {
    const provider = this.registry.get(name);
    const pending = await this.states.take(query.state);
    if (!pending || pending.provider !== name) {
      throw Problems.badRequest('The sign-in state is unknown, expired or already used; start again at GET /auth/oauth/' + name);
    }
    if (query.error) throw Problems.unauthorized(`The identity provider refused the sign-in: ${query.error_description ?? query.error}`);
    if (!query.code) throw Problems.badRequest('The callback carries neither a code nor an error');

    const configuration = await this.registry.configurationOf(provider);
    const currentUrl = new URL(this.redirectUri(name));
    for (const p of CALLBACK_PARAMS) if (query[p] !== undefined) currentUrl.searchParams.set(p, query[p]);
    let claims: oidc.IDToken | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, currentUrl, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: query.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
      // Providers that follow the spec strictly put scope claims in userinfo, not in the ID token.
      if (claims && claims.email === undefined) {
        claims = { ...(await oidc.fetchUserInfo(configuration, tokens.access_token, claims.sub)), ...claims };
      }
    } catch (err) {
      // Invalid code, bad signature, wrong nonce/issuer/audience: the provider's answer is not trusted.
      this.logger.warn({ err, provider: name }, 'OIDC code exchange failed');
      throw Problems.unauthorized(`The sign-in with "${name}" could not be completed: ${(err as Error).message}`);
    }
    if (!claims) throw Problems.unauthorized(`The identity provider "${name}" returned no ID token`);
    const user = await this.accounts.resolve(name, claims);
    return this.auth.openSessionOrChallenge(user, client, `oidc:${name}`);
  }

  private redirectUri(name: string): string {
    return `${this.config.PUBLIC_URL.replace(/\/+$/, '')}/${API_PREFIX}/auth/oauth/${name}/callback`;
  }
}
