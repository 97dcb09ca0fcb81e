import { plainToInstance } from 'class-transformer';
import { IsArray, IsOptional, IsString, IsUrl, Matches, validateSync } from 'class-validator';

export class OidcProviderConfig {
  @Matches(/^[a-z0-9-]{1,40}$/, { message: 'name must be lowercase letters, digits or dashes' })
  name: string;

  @IsOptional() @IsString()
  displayName?: string;

  @IsUrl({ require_tld: false, require_protocol: true })
  issuer: string;

  @IsString()
  clientId: string;

  @IsOptional() @IsString()
  clientSecret?: string;

  @IsOptional() @IsArray() @IsString({ each: true })
  scopes?: string[];
}

/** Parses OIDC_PROVIDERS; a malformed list fails boot with the provider and field named. */
export function parseOidcProviders(json: string): OidcProviderConfig[] {
  let list: unknown;
  try {
    list = JSON.parse(json);
  } catch {
    throw new Error('OIDC_PROVIDERS is not valid JSON');
  }
  if (!Array.isArray(list)) throw new Error('OIDC_PROVIDERS must be a JSON array');
  return list.map((item, i) => {
    const p = plainToInstance(OidcProviderConfig, item);
    const errors = validateSync(p);
    if (errors.length) {
      const msgs = errors.flatMap((e) => Object.values(e.constraints ?? {}));
      throw new Error(`OIDC_PROVIDERS[${i}]: ${msgs.join('; ')}`);
    }
    return p;
  });
}
