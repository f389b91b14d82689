/** The terraform target's module writer (src/engine/target-terraform.ts) and the AWS renderer set. */

import { describe, expect, it } from 'vitest';
import { AWS_TF_RENDERERS } from '../../cloudup/aws/terraform/index.js';
import { AWS_KINDS } from '../../cloudup/aws/tasks/index.js';
import { HoistError } from '../../src/errors.js';
import { TerraformModule, escapeTemplate, tfName } from '../../src/engine/target-terraform.js';
import type { TfRenderer } from '../../src/engine/target-terraform.js';
import type { Task } from '../../src/engine/task.js';
import { ref } from '../../src/engine/task.js';

/** A renderer that passes the desired fields through, and a document field to `data/`. */
const thing: TfRenderer<null> = {
  kind: 'Thing',
  render: (task, ctx) => ({
    mode: 'resource',
    type: 'test_thing',
    body: { ...Object.fromEntries(Object.entries(task.desired).filter(([k]) => k !== 'doc').map(([k, v]) => [k, ctx.value(v)])), ...(task.desired['doc'] ? { doc: ctx.document(`doc_${task.name}`, task.desired['doc']) } : {}) },
    attributes: { id: 'id', arn: 'arn' },
  }),
};
const renderers = new Map([[thing.kind, thing]]);
const task = (name: string, desired: Task['desired'], dependsOn: Task['dependsOn'] = []): Task => ({ kind: 'Thing', name, lifecycle: 'Sync', dependsOn, desired });

function render(tasks: readonly Task[]): { main: { resource: { test_thing: Record<string, Record<string, unknown>> } }; files: Map<string, string> } {
  const module = new TerraformModule();
  module.renderTasks(tasks, renderers, null);
  const files = module.files();
  return { main: JSON.parse(files.get('kubernetes.tf.json')!), files };
}

describe('the terraform module writer', () => {
  it('makes Terraform identifiers of task names', () => {
    expect(tfName('demo.example.com')).toBe('demo-example-com');
    expect(tfName('0.0.0.0/0.private-us-east-1a.demo.example.com')).toBe('_0-0-0-0--0-private-us-east-1a-demo-example-com');
    expect(tfName('hoist.demo:key@1')).toBe('hoist-demo-key-1');
  });

  it('escapes literal text that Terraform would read as a template', () => {
    expect(escapeTemplate('a ${b} %{c} $d')).toBe('a $${b} %%{c} $d');
    const { main } = render([task('a', { tags: { 'x${y}': 'v%{w}' } })]);
    expect(main.resource.test_thing['a']?.['tags']).toEqual({ 'x$${y}': 'v%%{w}' });
  });

  it('turns Refs into expressions, and other dependencies into depends_on', () => {
    const { main } = render([task('b.example', { parent: ref('Thing/a.example', 'arn') }, ['Thing/a.example', 'Thing/c']), task('a.example', {}), task('c', {})]);
    expect(main.resource.test_thing['b-example']).toEqual({ parent: '${test_thing.a-example.arn}', depends_on: ['test_thing.c'] });
    expect(Object.keys(main.resource.test_thing)).toEqual(['a-example', 'b-example', 'c']);
  });

  it('keeps JSON documents in data/, and fills in their Refs with templatefile', () => {
    const { main, files } = render([
      task('a', { doc: { Statement: [{ Resource: 'arn:aws:s3:::b/${aws:username}' }] } }),
      task('b', { doc: { Statement: [{ Resource: [ref('Thing/a', 'arn')], Sid: 'x${y}' }] } }, ['Thing/a']),
    ]);
    expect(main.resource.test_thing['a']?.['doc']).toBe('${file("${path.module}/data/doc_a")}');
    expect(JSON.parse(files.get('data/doc_a')!)).toEqual({ Statement: [{ Resource: 'arn:aws:s3:::b/${aws:username}' }] });
    expect(main.resource.test_thing['b']?.['doc']).toBe('${templatefile("${path.module}/data/doc_b", { ref_0 = test_thing.a.arn })}');
    expect(files.get('data/doc_b')).toContain('${jsonencode(ref_0)}');
    expect(files.get('data/doc_b')).toContain('"Sid": "x$${y}"');
  });

  it('names a kind without a renderer instead of leaving its tasks out', () => {
    const module = new TerraformModule();
    const render = () => module.renderTasks([task('a', {}), { ...task('b', {}), kind: 'Gadget' }, { ...task('c', {}), kind: 'Widget' }], renderers, null);
    expect(render).toThrow(HoistError);
    expect(render).toThrow('the terraform target has no renderer for tasks of kind Gadget, tasks of kind Widget');
  });

  it('refuses two tasks whose names become the same identifier', () => {
    expect(() => render([task('a.b', {}), task('a-b', {})])).toThrow('two Terraform blocks have the address test_thing.a-b');
  });
});

describe('the AWS renderers', () => {
  it('cover every kind a task can be: all but those only listed at teardown, and warm pools, which are blocks of their groups', () => {
    const listedOnly = ['Instance', 'NetworkInterface'];
    const foldedIntoGroups = ['WarmPool'];
    expect([...AWS_TF_RENDERERS.keys()].sort()).toEqual([...AWS_KINDS.keys()].filter((k) => !listedOnly.includes(k) && !foldedIntoGroups.includes(k)).sort());
  });
});
