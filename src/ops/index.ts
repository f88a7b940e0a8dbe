/** Every op family, one module each, paired with its shader in shaders/. */
export { Tanh } from './activation.ts';
