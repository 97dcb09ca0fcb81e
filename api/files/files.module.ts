import { Module } from '@nestjs/common';
import { ConversationsModule } from '../conversations/conversations.module';
import { ConversationFilesController } from './conversation-files.controller';
import { ConversationFilesService } from './conversation-files.service';
import { FileAccess } from './file-access.service';
import { FilePreviewService } from './file-preview.service';
import { FileSharesService } from './file-shares.service';
import { fileStorageProvider, FILE_STORAGE } from './file-storage.provider';
import { FileUploadService } from './file-upload.service';
import { FilesController } from './files.controller';
import { FilesService } from './files.service';
import { SharedFilesController } from './shared-files.controller';

@Module({
  imports: [ConversationsModule],
  // SharedFilesController first: its static `shared/` segment is registered before `:id/…`.
  controllers: [SharedFilesController, FilesController, ConversationFilesController],
  providers: [fileStorageProvider, FileAccess, FilesService, FileUploadService, FilePreviewService, FileSharesService, ConversationFilesService],
  exports: [FILE_STORAGE, FileAccess],
})
export class FilesModule {}
