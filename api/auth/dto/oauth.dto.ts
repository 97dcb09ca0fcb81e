import { IsOptional, IsString, MaxLength } from 'class-validator';

export class OAuthProviderDto {
  /** Used in the route: GET /auth/oauth/{name}. */
  name: string;
  displayName: string;
  /** Where to send the browser to start a login with this provider. */
  authorizationPath: string;
}

export class OAuthProviderListDto {
  items: OAuthProviderDto[];
}

/** What the provider appends to the redirect URI (RFC 6749 §4.1.2, RFC 9207 `iss`). */
export class OAuthCallbackQueryDto {
  @IsString() @MaxLength(512)
  state: string;

  @IsOptional() @IsString() @MaxLength(4096)
  code?: string;

  @IsOptional() @IsString() @MaxLength(2048)
  iss?: string;

  @IsOptional() @IsString() @MaxLength(512)
  session_state?: string;

  @IsOptional() @IsString() @MaxLength(256)
  error?: string;

  @IsOptional() @IsString() @MaxLength(1024)
  error_description?: string;

  @IsOptional() @IsString() @MaxLength(2048)
  error_uri?: string;
}
