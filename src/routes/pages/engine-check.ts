/** Whether the engine command of ENGINE_COMMAND can be found, for the list page's notice. */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** True when `program` names an executable file, directly (with a slash) or on the PATH. */
export function commandFound(program: string, path = process.env.PATH ?? ''): boolean {
  if (program.includes('/')) {
    return executable(isAbsolute(program) ? program : resolve(program));
  }
  return path.split(delimiter).filter(Boolean).some((dir) => executable(join(dir, program)));
}

/** The sentence the list page shows when the engine cannot be run; null when it can. */
export function engineMissingNotice(engineCommand: string[]): string | null {
  const program = engineCommand[0] ?? '';
  if (program && commandFound(program)) {
    return null;
  }
  return `No engine command was found: "${program}" (the first word of the ENGINE_COMMAND setting) is not an executable program`
    + `${program.includes('/') ? '' : ' on the server\'s PATH'}, so calculations cannot run. Install the OpenQuake Engine, or set ENGINE_COMMAND`
    + ' in the settings file to the engine\'s command (for example ["/opt/openquake/venv/bin/oq", "engine", "--run", "{job_ini}", ...]);'
    + ' `oq-webui check` shows the effective value.';
}
