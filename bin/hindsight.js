#!/usr/bin/env node
// Runs the compiled CLI (`make` builds it into dist/).
import '../dist/cli/main.js';
