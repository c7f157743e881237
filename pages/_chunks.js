// One of Streamlit's own JS chunks (its static/js folder), imported once per page and shared by our components
// (pages/_streamlit_chunks.py puts this in front of each component's code).
function streamlitChunk(chunk) {
  const chunks = (window.__labChunks = window.__labChunks || {});
  if (!chunks[chunk]) {
    const index = document.querySelector('script[src*="/static/js/index."]');
    const base = index ? index.src : new URL("static/js/", document.baseURI).href;
    chunks[chunk] = import(new URL(chunk, base).href);
  }
  return chunks[chunk];
}
