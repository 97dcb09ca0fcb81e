import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/auth/principal';
import { DownloadQueryDto } from './dto/file.dto';
import { sendFileBody } from './file-download';
import { FileSharesService } from './file-shares.service';
import { BINARY } from './files.controller';

@ApiTags('files')
@Controller('files/shared')
export class SharedFilesController {
  constructor(private readonly shares: FileSharesService) {}

  /** Anyone with the link, until it expires (410) or is revoked (404). Range requests work. */
  @Public()
  @Get(':token')
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'The whole file', content: { 'application/octet-stream': BINARY } })
  @ApiResponse({ status: 206, description: 'One byte range', content: { 'application/octet-stream': BINARY } })
  async download(
    @Param('token') token: string,
    @Query() query: DownloadQueryDto,
    @Headers('range') range: string | undefined,
    @Headers('if-range') ifRange: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    sendFileBody(reply, await this.shares.open(token, { range, ifRange, disposition: query.disposition }));
  }
}
