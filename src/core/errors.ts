/**
 * The one error type this library throws for a bad definition.
 *
 * Every problem found in a construct's props is collected and reported at once, one line
 * per problem, each naming the construct path, the offending value and what is allowed:
 * `[vision/api] port: got 70000; expected an integer from 1 to 65535`.
 *
 * (Declared as a value, not a class declaration: jsii cannot model a subclass of `Error`,
 * so the type stays out of the jsii assembly while TypeScript and JavaScript users get a
 * real class to catch with `instanceof`.)
 */
class ValidationError extends Error {
  /** Each problem as one line: `[path] what: got X; expected Y`. */
  public readonly problems: string[];

  constructor(problems: string[]) {
    super(problems.length === 1
      ? problems[0]
      : `${problems.length} problems in the projen-ml-docker definition:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'MlDockerValidationError';
    this.problems = [...problems];
    Object.setPrototypeOf(this, ValidationError.prototype);
  }
}

export const MlDockerValidationError = ValidationError;
export type MlDockerValidationError = ValidationError;
