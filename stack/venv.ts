// Executables of the project's Python virtual environment (.venv, made by `make`).
import path from 'node:path';
import { projectRoot } from '../config/paths.js';

export const venvBin = (name: string): string => path.join(projectRoot, '.venv', 'bin', name);
