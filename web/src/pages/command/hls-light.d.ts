// hls.js ships the light build (no subtitles, alternate audio, DRM or CMCD: a camera needs none of them)
// without its own declaration; its API is the full build's.
declare module 'hls.js/light' {
  export * from 'hls.js';
  export { default } from 'hls.js';
}
