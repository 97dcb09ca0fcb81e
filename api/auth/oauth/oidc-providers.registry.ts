import { Injectable, Logger } from '@nestjs/common';
import * as oidc from 'openid-client';
import { AppConfig } from '../../../shared/config/app-config';
import { OidcProviderConfig, parseOidcProviders } from '../../../shared/config/oidc-providers';
import { Problems } from '../../common/problem/problem.exception';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const DISCOVERY_TIMEOUT_SECONDS = 10;

/**
 * The generic OIDC providers of OIDC_PROVIDERS (read at boot; a malformed list fails boot).
 * Discovery runs on first use and is cached; a failed discovery is retried on the next request,
 * so the API boots even while a provider is down.
 */
@Injectable()
export class OidcProvidersRegistry {
  private readonly logger = new Logger(OidcProvidersRegistry.name);
  private readonly providers: Map<string, OidcProviderConfig>;
  private readonly discovered = new Map<string, Promise<oidc.Configuration>>();

  constructor(config: AppConfig) {
    this.providers = new Map(parseOidcProviders(config.OIDC_PROVIDERS).map((p) => [p.name, p]));
  }

  list(): OidcProviderConfig[] {
    return [...this.providers.values()];
  }

  /** The provider's settings; 404 problem for a name that is not configured. */
  get(name: string): OidcProviderConfig {
    const provider = this.providers.get(name);
    if (!provider) throw Problems.notFound(`OAuth provider "${name}"`);
    return provider;
  }

  async configurationOf(provider: OidcProviderConfig): Promise<oidc.Configuration> {
    let pending = this.discovered.get(provider.name);
    if (!pending) {
      pending = discover(provider);
      this.discovered.set(provider.name, pending);
    }
    try {
      return await pending;
    } catch (err) {
      this.discovered.delete(provider.name);
      this.logger.warn({ err, provider: provider.name }, 'OIDC discovery failed');
      throw Problems.unavailable(`The identity provider "${provider.name}" cannot be reached; try again later`, 30);
    }
  }
}

function discover(provider: OidcProviderConfig): Promise<oidc.Configuration> {
  const issuer = new URL(provider.issuer);
  // Plain http only to a provider on this machine (local development and the e2e IdP).
  const insecureOk = issuer.protocol === 'http:' && LOOPBACK.has(issuer.hostname);
  const auth = provider.clientSecret ? oidc.ClientSecretBasic(provider.clientSecret) : oidc.None();
  return oidc.discovery(issuer, provider.clientId, undefined, auth, {
    timeout: DISCOVERY_TIMEOUT_SECONDS,
    execute: insecureOk ? [oidc.allowInsecureRequests] : [],
  });
}
