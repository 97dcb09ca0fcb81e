import { Global, Module } from '@nestjs/common';
import { EmailDispatcher } from './email-dispatcher.service';

@Global()
@Module({ providers: [EmailDispatcher], exports: [EmailDispatcher] })
export class MailModule {}
