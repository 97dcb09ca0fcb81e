import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { Problems } from '../common/problem/problem.exception';
import { codeWorkflow } from './code-workflows.registry';

/** A declared definition's UUID, or `code:<name>` of a registered code workflow; else a 400 (never a Postgres error). */
@Injectable()
export class WorkflowIdPipe implements PipeTransform<string, string> {
  transform(value: string, meta: ArgumentMetadata): string {
    if (isUUID(value, 'all')) return value.toLowerCase();
    if (value.startsWith('code:')) {
      if (codeWorkflow(value.slice(5))) return value;
      throw Problems.notFound('Workflow');
    }
    throw Problems.validation([{ field: meta.data ?? 'id', message: 'id must be a UUID or code:<name>' }]);
  }
}

export const WORKFLOW_ID = new WorkflowIdPipe();
