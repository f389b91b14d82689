/**
 * Links between Compute resources. The API answers with full URLs
 * (`https://www.googleapis.com/compute/v1/projects/P/global/networks/N`) and accepts partial
 * ones; hoist keeps and compares them as `projects/P/global/networks/N`, whatever the host.
 */

export function relativeLink(link: string | null | undefined): string {
  if (!link) return '';
  return link.replace(/^https?:\/\/[^/]+\/compute\/(?:v1|beta|alpha)\//, '');
}

export function lastSegment(link: string): string {
  return link.slice(link.lastIndexOf('/') + 1);
}

export function globalLink(project: string, collection: string, name: string): string {
  return `projects/${project}/global/${collection}/${name}`;
}

export function regionalLink(project: string, region: string, collection: string, name: string): string {
  return `projects/${project}/regions/${region}/${collection}/${name}`;
}

export function zonalLink(project: string, zone: string, collection: string, name: string): string {
  return `projects/${project}/zones/${zone}/${collection}/${name}`;
}
