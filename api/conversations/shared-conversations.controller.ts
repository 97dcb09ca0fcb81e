import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '../common/auth/principal';
import { CursorPageQuery } from '../common/pagination/cursor-page';
import { ConversationSharesService } from './conversation-shares.service';
import { SharedConversationDto } from './dto/share.dto';

@ApiTags('conversations')
@Controller('shared')
export class SharedConversationsController {
  constructor(private readonly shares: ConversationSharesService) {}

  /** Anyone with the link: the title and the messages up to the moment it was made. */
  @Public()
  @Get(':token')
  view(@Param('token') token: string, @Query() query: CursorPageQuery): Promise<SharedConversationDto> {
    return this.shares.view(token, query);
  }
}
