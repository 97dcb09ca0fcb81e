import { Body, Controller, Delete, Get, Headers, HttpCode, HttpStatus, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOkResponse, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Permission } from '../../shared/domain/roles';
import { CurrentPrincipal, Principal, RequirePermissions } from '../common/auth/principal';
import { CursorPageQuery } from '../common/pagination/cursor-page';
import { UUID } from '../common/pipes/uuid-param.pipe';
import {
  CreatedFileShareDto,
  CreateFileShareDto,
  DownloadQueryDto,
  FileMetadataDto,
  FilePageDto,
  FilePreviewDto,
  FileSharePageDto,
  FileUsageDto,
  ListFilesQueryDto,
  UploadedFilesDto,
} from './dto/file.dto';
import { sendFileBody } from './file-download';
import { FilePreviewService } from './file-preview.service';
import { FileSharesService } from './file-shares.service';
import { FileUploadService } from './file-upload.service';
import { FilesService } from './files.service';

export const BINARY = { schema: { type: 'string', format: 'binary' } } as const;

/** The caller's files; anyone else's id is a 404. */
@ApiTags('files')
@ApiBearerAuth()
@Controller('files')
export class FilesController {
  constructor(
    private readonly files: FilesService,
    private readonly uploads: FileUploadService,
    private readonly previews: FilePreviewService,
    private readonly shares: FileSharesService,
  ) {}

  /** Newest first; filter by type, conversation, name, status and creation date. */
  @Get()
  @RequirePermissions(Permission.ConversationsRead)
  list(@CurrentPrincipal() p: Principal, @Query() query: ListFilesQueryDto): Promise<FilePageDto> {
    return this.files.list(p, query);
  }

  /**
   * multipart/form-data, one part per file (any field name). The type is detected from the content;
   * executables are refused (422). Too large, too many or over quota: 413. Each file is then extracted and
   * chunked by a `file-ingest:<id>` workflow (status on GET /files/{id}/metadata).
   */
  @Post('upload')
  @RequirePermissions(Permission.ConversationsWrite)
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary', description: 'A file; repeat the part for several.' } } } })
  upload(@CurrentPrincipal() p: Principal, @Req() req: FastifyRequest): Promise<UploadedFilesDto> {
    return this.uploads.upload(p, req);
  }

  /** Bytes stored, the quota and the upload limits. */
  @Get('usage')
  @RequirePermissions(Permission.ConversationsRead)
  usage(@CurrentPrincipal() p: Principal): Promise<FileUsageDto> {
    return this.files.usage(p);
  }

  /** The bytes; `Range: bytes=…` answers 206 (416 past the end). Always nosniff, attachment unless `disposition=inline` for safe types. */
  @Get(':id')
  @RequirePermissions(Permission.ConversationsRead)
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'The whole file', content: { 'application/octet-stream': BINARY } })
  @ApiResponse({ status: 206, description: 'One byte range', content: { 'application/octet-stream': BINARY } })
  async download(
    @CurrentPrincipal() p: Principal,
    @Param('id', UUID) id: string,
    @Query() query: DownloadQueryDto,
    @Headers('range') range: string | undefined,
    @Headers('if-range') ifRange: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    sendFileBody(reply, await this.files.download(p, id, { range, ifRange, disposition: query.disposition }));
  }

  /** Removes the file, its chunks, share links and attachments. */
  @Delete(':id')
  @RequirePermissions(Permission.ConversationsWrite)
  @HttpCode(HttpStatus.NO_CONTENT)
  remove(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string): Promise<void> {
    return this.files.remove(p, id);
  }

  /** The start of the text and a thumbnail (images; a PDF's first page). */
  @Get(':id/preview')
  @RequirePermissions(Permission.ConversationsRead)
  preview(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string): Promise<FilePreviewDto> {
    return this.previews.preview(p, id);
  }

  /** Everything stored about the file, with its ingest status. */
  @Get(':id/metadata')
  @RequirePermissions(Permission.ConversationsRead)
  metadata(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string): Promise<FileMetadataDto> {
    return this.files.metadata(p, id);
  }

  /** A public download link that expires; the token is shown only here. */
  @Post(':id/share')
  @RequirePermissions(Permission.ConversationsWrite)
  share(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string, @Body() dto: CreateFileShareDto): Promise<CreatedFileShareDto> {
    return this.shares.create(p, id, dto);
  }

  /** The file's links, newest first (without their tokens). */
  @Get(':id/shares')
  @RequirePermissions(Permission.ConversationsRead)
  listShares(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string, @Query() query: CursorPageQuery): Promise<FileSharePageDto> {
    return this.shares.list(p, id, query);
  }

  /** Revokes a link at once (idempotent). */
  @Delete(':id/shares/:shareId')
  @RequirePermissions(Permission.ConversationsWrite)
  @HttpCode(HttpStatus.NO_CONTENT)
  revokeShare(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string, @Param('shareId', UUID) shareId: string): Promise<void> {
    return this.shares.revoke(p, id, shareId);
  }
}
