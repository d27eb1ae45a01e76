import { ImageIndex } from '../../src/entry/image-files';
import { isPackageLocation, ModuleFinder } from '../../src/entry/module-finder';

function finder(files: Record<string, boolean>): ModuleFinder {
  return new ModuleFinder(new ImageIndex(new Map(Object.entries(files))));
}

describe('ModuleFinder', () => {
  test('python\'s order in one folder: a regular package before a module file before a namespace package', () => {
    const f = finder({ '/app/pkg/__init__.py': true, '/app/pkg.py': true });
    expect(f.find('/app', 'pkg')).toBe('/app/pkg/__init__.py');
    expect(finder({ '/app/pkg.py': true, '/app/pkg/mod.py': true }).find('/app', 'pkg')).toBe('/app/pkg.py');
    expect(finder({ '/app/pkg/mod.py': true }).find('/app', 'pkg')).toBe('/app/pkg/');
  });

  test('a dotted name needs every parent to be a package; an extension module counts', () => {
    const f = finder({ '/app/a/b/c.py': true, '/app/x/fast.cpython-311-x86_64-linux-gnu.so': true, '/app/x/__init__.py': true });
    expect(f.find('/app', 'a.b.c')).toBe('/app/a/b/c.py');
    expect(f.find('/app', 'x.fast')).toBe('/app/x/fast.cpython-311-x86_64-linux-gnu.so');
    expect(f.find('/app', 'a.missing')).toBeUndefined();
    expect(f.find('/srv', 'a.b.c')).toBeUndefined();
  });

  test('hasMain and isPackageLocation', () => {
    const f = finder({ '/app/tool/__init__.py': true, '/app/tool/__main__.py': true, '/app/lib/__init__.py': true });
    expect(isPackageLocation('/app/tool/__init__.py')).toBe(true);
    expect(isPackageLocation('/app/ns/')).toBe(true);
    expect(isPackageLocation('/app/tool.py')).toBe(false);
    expect(f.hasMain('/app/tool/__init__.py')).toBe(true);
    expect(f.hasMain('/app/lib/__init__.py')).toBe(false);
  });

  test('droppedFile names the project file the ignore file drops', () => {
    const f = finder({ '/app/gateway/main.py': false, '/app/gateway/__init__.py': true });
    expect(f.droppedFile('/app', 'gateway.main')).toBe('/app/gateway/main.py');
    expect(f.find('/app', 'gateway.main')).toBeUndefined();
  });

  test('modules lists every importable dotted name under the roots, sorted, skipping non-identifiers', () => {
    const f = finder({ '/app/pkg/__init__.py': true, '/app/pkg/sub/mod.py': true, '/app/my-scripts/x.py': true, '/other/o.py': true });
    expect(f.modules(['/app'])).toEqual(['pkg', 'pkg.sub', 'pkg.sub.mod']);
  });
});
