// Every workflow the workers run. The worker bundle is built from this file.
export { sendEmailWorkflow } from './send-email/send-email.workflow';
