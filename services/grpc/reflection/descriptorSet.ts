// The descriptors of proto/ that `make gen` compiles with `buf build` into gen/.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../../config/paths.js';
import { indexDescriptorSet, type DescriptorIndex } from './descriptorIndex.js';

export const descriptorSetFile = path.join(projectRoot, 'gen', 'descriptors.binpb');

export const loadDescriptorSet = (file: string = descriptorSetFile): DescriptorIndex => {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new Error(`cannot read the descriptors reflection serves (run make gen): ${file}`, {
      cause: error,
    });
  }
  return indexDescriptorSet(bytes);
};
