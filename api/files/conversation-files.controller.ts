import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Permission } from '../../shared/domain/roles';
import { CurrentPrincipal, Principal, RequirePermissions } from '../common/auth/principal';
import { CursorPageQuery } from '../common/pagination/cursor-page';
import { UUID } from '../common/pipes/uuid-param.pipe';
import { AttachFileDto, ConversationFileDto, ConversationFilePageDto } from './dto/file.dto';
import { ConversationFilesService } from './conversation-files.service';

@ApiTags('conversations')
@ApiBearerAuth()
@Controller('conversations/:id/files')
export class ConversationFilesController {
  constructor(private readonly links: ConversationFilesService) {}

  /** Attaches one of your files to one of your conversations (idempotent). */
  @Post()
  @RequirePermissions(Permission.ConversationsWrite)
  attach(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string, @Body() dto: AttachFileDto): Promise<ConversationFileDto> {
    return this.links.attach(p, id, dto.fileId);
  }

  /** Attached files, most recently attached first. */
  @Get()
  @RequirePermissions(Permission.ConversationsRead)
  list(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string, @Query() query: CursorPageQuery): Promise<ConversationFilePageDto> {
    return this.links.list(p, id, query);
  }

  /** Detaches the file (the file itself stays). */
  @Delete(':fileId')
  @RequirePermissions(Permission.ConversationsWrite)
  @HttpCode(HttpStatus.NO_CONTENT)
  detach(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string, @Param('fileId', UUID) fileId: string): Promise<void> {
    return this.links.detach(p, id, fileId);
  }
}
