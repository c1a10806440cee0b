export * from './challenge.js';
export * from './flatness.js';
export * from './follow.js';
export * from './homography.js';
export * from './identity.js';
export * from './landmarks.js';
export * from './pose.js';
export * from './verify.js';
