/**
 * Errors as the GCS JSON API sends them: `{ error: { code, message, errors: [{ message, domain,
 * reason }] } }`, with the messages and reasons of the real service for the cases the fake has.
 */

export class GcsError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }

  body(): { error: { code: number; message: string; errors: { message: string; domain: string; reason: string }[] } } {
    return { error: { code: this.code, message: this.message, errors: [{ message: this.message, domain: 'global', reason: this.reason }] } };
  }
}

export const noSuchObject = (bucket: string, name: string): GcsError => new GcsError(404, 'notFound', `No such object: ${bucket}/${name}`);
export const noSuchBucket = (): GcsError => new GcsError(404, 'notFound', 'The specified bucket does not exist.');
export const preconditionFailed = (): GcsError => new GcsError(412, 'conditionNotMet', 'At least one of the pre-conditions you specified did not hold.');
export const badRequest = (message: string): GcsError => new GcsError(400, 'invalid', message);
export const required = (message: string): GcsError => new GcsError(400, 'required', message);
export const anonymous = (permission: string): GcsError =>
  new GcsError(401, 'required', `Anonymous caller does not have ${permission} access to the Google Cloud Storage object. Permission '${permission}' denied on resource (or it may not exist).`);
export const forbidden = (who: string, permission: string): GcsError =>
  new GcsError(403, 'forbidden', `${who} does not have ${permission} access to the Google Cloud Storage object. Permission '${permission}' denied on resource (or it may not exist).`);
