import * as ejs from 'ejs';
import { readAsset } from './data';
import { TEMPLATE_HELPERS } from './markdown';

const compiled = new Map<string, ejs.TemplateFunction>();

/**
 * Renders `templates/<name>` with the model as `m`. Each template is compiled once per process.
 * A template includes a partial by its path under `templates/` (`include('<folder>/<name>.ejs', model)`),
 * the partial's model again being `m`. Every template, partials included, reaches the markdown
 * escapers as `this.cell(text)` and `this.code(text)` (core/markdown.ts): each cell of a table we
 * generate goes through one of them.
 */
export function renderTemplate(name: string, model: object): string {
  let fn = compiled.get(name);
  if (!fn) {
    fn = ejs.compile(readAsset('templates', name), {
      _with: false,
      localsName: 'm',
      filename: name,
      strict: true,
      cache: true,
      context: TEMPLATE_HELPERS,
      // ejs accepts both fields (the filename keys its cache of compiled partials); its types allow one
      includer: (partial: string) => ({ filename: partial, template: readAsset('templates', partial) }) as unknown as ejs.IncluderResult,
    });
    compiled.set(name, fn);
  }
  return fn(model);
}
