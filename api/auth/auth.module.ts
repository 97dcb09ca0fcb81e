import { Module } from '@nestjs/common';
import { AccountNotices } from './account-notices.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { EmailVerification } from './email-verification.service';
import { LoginRateLimiter } from './login-rate-limiter';
import { MailThrottle } from './mail-throttle';
import { MfaController } from './mfa/mfa.controller';
import { MfaService } from './mfa/mfa.service';
import { OAuthController } from './oauth/oauth.controller';
import { OAuthService } from './oauth/oauth.service';
import { OAuthStateStore } from './oauth/oauth-state.store';
import { OidcAccounts } from './oauth/oidc-accounts.service';
import { OidcProvidersRegistry } from './oauth/oidc-providers.registry';
import { OneTimeTokens } from './one-time-tokens.service';
import { PasswordReset } from './password-reset.service';
import { SessionIssuer } from './session-issuer.service';

@Module({
  controllers: [AuthController, MfaController, OAuthController],
  providers: [
    AuthService,
    AccountNotices,
    SessionIssuer,
    LoginRateLimiter,
    OneTimeTokens,
    MailThrottle,
    EmailVerification,
    PasswordReset,
    MfaService,
    OidcProvidersRegistry,
    OAuthStateStore,
    OidcAccounts,
    OAuthService,
  ],
  exports: [SessionIssuer, OneTimeTokens, AuthService, EmailVerification],
})
export class AuthModule {}
