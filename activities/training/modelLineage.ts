// The model registry's tags moved to platform/modelRegistry.ts.
// bench/ still imports this name from here; its home is platform/.
export { MODEL_TAGS } from '../../platform/modelRegistry.js';
