/**
 * Catalogue rows of `packageData`: weights and arrays a package loads are let in by name, never
 * credentials, never files the ignore files keep anyway, never files outside the copied code.
 * Files are written into the previous tree under `pd/` and removed after the row.
 */
import { Row, svc } from './support';

const FILES = {
  'pd/__init__.py': '',
  'pd/main.py': '',
  'pd/assets/filters.npz': '',
  'pd/.secrets.toml': 'k = 1\n',
  'pd/schema.yaml': 'a: 1\n',
};
const pd = (packageData: string[]) =>
  svc({ command: ['python', '-m', 'pd.main'], sources: ['pd'], packageData });

export const rows: Row[] = [
  {
    name: 'package data: a credential file named as package data',
    files: FILES,
    build: pd(['pd/.secrets.toml']),
    path: 'vision/api',
    got:
      'packageData[0] is a credential, environment or VCS file the ignore files always leave out ' +
      '(**/.secrets.*): got "pd/.secrets.toml"',
    expected: 'credentials are passed as secrets, never copied into an image',
  },
  {
    name: 'package data: a file the ignore files send anyway',
    files: FILES,
    build: pd(['pd/schema.yaml']),
    path: 'vision/api',
    got: 'packageData[0] is not left out by the ignore files: got "pd/schema.yaml"',
    expected:
      'a file the ignore files leave out by its extension (e.g. "pkg/assets/mel_filters.npz"), ' +
      'or no packageData entry',
  },
  {
    name: 'package data: a file outside the copied code',
    files: { ...FILES, 'elsewhere/table.csv': 'a,b\n' },
    build: pd(['elsewhere/table.csv']),
    path: 'vision/api',
    got: 'packageData[0] is not inside the service\'s code: got "elsewhere/table.csv"',
    expected: 'a file under one of: "pd"',
  },
  {
    name: 'package data: a folder instead of files',
    files: FILES,
    build: pd(['pd/assets']),
    path: 'vision/api',
    got: 'packageData[0] is not a file: got "pd/assets"',
    expected: 'one file per entry (package data is let in by name, never a whole folder)',
  },
];
