// @energetic-ai/core's declarations re-export TensorFlow.js packages that it bundles but does not
// install as typings. We only use initModel/embed, so the tfjs names resolve to `any` here instead
// of turning off library checks for the whole project.
declare module '@tensorflow/tfjs-core';
declare module '@tensorflow/tfjs-core/dist/io/router_registry';
declare module '@tensorflow/tfjs-converter';
declare module '@tensorflow/tfjs-backend-wasm';
