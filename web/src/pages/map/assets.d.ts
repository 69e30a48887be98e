/** Vite's `?url` imports (MapLibre's worker is loaded from its own file, see MapView). */
declare module '*?url' {
  const url: string;
  export default url;
}
