import { IConstruct } from 'constructs';
import { FileBase, IResolver } from 'projen';

/**
 * A generated, read-only file whose whole text is rendered in `preSynthesize()`.
 *
 * projen deletes orphaned generated files before components write theirs, so rendering
 * lazily during `synthesize()` could fail half way and leave a half-old, half-new tree.
 * Rendering every file first means a bad definition fails before anything is touched.
 */
export class RenderedFile extends FileBase {
  private text?: string;

  constructor(
    scope: IConstruct,
    filePath: string,
    private readonly render: (file: RenderedFile) => string,
    executable = false,
  ) {
    super(scope, filePath, { readonly: true, marker: true, executable });
  }

  public preSynthesize(): void {
    this.text = this.render(this);
  }

  /** The rendered text; only available after `preSynthesize()`. */
  public get content(): string {
    if (this.text === undefined) {
      this.text = this.render(this);
    }
    return this.text;
  }

  protected synthesizeContent(_resolver: IResolver): string | undefined {
    return this.content;
  }
}
