// gRPC server reflection, serving the descriptors of proto/ as `buf build` compiles them.
export { loadDescriptorSet, descriptorSetFile } from './descriptorSet.js';
export type { DescriptorIndex } from './descriptorIndex.js';
export { addReflection, reflectionServices } from './reflectionService.js';
