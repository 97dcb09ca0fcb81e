import { Module } from '@nestjs/common';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { LoginRateLimiter } from './login-rate-limiter';
import { OneTimeTokens } from './one-time-tokens.service';
import { SessionIssuer } from './session-issuer.service';

@Module({
  controllers: [AuthController],
  providers: [AuthService, SessionIssuer, LoginRateLimiter, OneTimeTokens],
  exports: [SessionIssuer, OneTimeTokens, AuthService],
})
export class AuthModule {}
