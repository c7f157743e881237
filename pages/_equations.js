// Equations typeset once, then only their numbers change (pages/_equations.py).
//
// st.latex typesets every equation from scratch on every rerun (KaTeX, then React and the browser lay out
// the new DOM): on Cell anatomy that was 9 equations on every slider move. Here each line remembers its
// template (the TeX with its decimal numbers taken out); when a new line has the same template, only the
// text of the numbers is replaced. KaTeX is Streamlit's own copy (its katex chunk); its CSS is Streamlit's.

const NUMBER = /-?\d+\.\d+/g;      // decimals only: indices such as t-1 belong to the template
const OPTIONS = {
  displayMode: true, output: "html", throwOnError: false, strict: "ignore",
  trust: (context) => context.command === "\\htmlClass",    // the number markers below, nothing else
};

function template(tex) {
  return tex.replace(NUMBER, "#");
}

function shown(number) {
  return number.replace("-", "\u2212");    // KaTeX's minus sign
}

function setNumber(span, text) {
  // the new text goes into the marker's first text node, its other text nodes are emptied: the spans KaTeX put
  // around and between them (font, spacing) stay as typeset
  if (span.textContent === text) return;
  const walker = document.createTreeWalker(span, NodeFilter.SHOW_TEXT);
  let first = true;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    node.nodeValue = first ? text : "";
    first = false;
  }
}

// Streamlit's CSS styles KaTeX 0.16's output (its st.latex); its katex chunk is KaTeX 0.18, which prefixes these
// class names with "katex-" (tests/test_equations_component.py checks both files): each gets its 0.16 name too
const RENAMED = ["accent", "base", "fix", "hdashline", "hline", "inner", "newline", "overlay", "overline", "root",
  "rule", "sizing", "smash", "sout", "stretchy", "strut", "tag", "thinbox", "underline", "vbox"];

function styledAsStreamlit(line) {
  for (const name of RENAMED) line.querySelectorAll(`.katex-${name}`).forEach((e) => e.classList.add(name));
}

function typeset(katex, line, tex) {
  katex.render(tex.replace(NUMBER, (n) => `\\htmlClass{lab-number}{${n}}`), line, OPTIONS);
  styledAsStreamlit(line);
  line._template = template(tex);
  line._numbers = [...line.querySelectorAll(".lab-number")];
}

function update(katex, box, lines) {
  while (box.children.length > lines.length) box.lastElementChild.remove();
  lines.forEach((tex, i) => {
    let line = box.children[i];
    if (!line) {
      line = document.createElement("div");
      line.className = "lab-equation";
      line.setAttribute("role", "math");
      box.appendChild(line);
    }
    line.setAttribute("aria-label", tex);   // the HTML output has no MathML: a screen reader reads the TeX
    const numbers = tex.match(NUMBER) || [];
    if (line._template === template(tex) && line._numbers.length === numbers.length) {
      numbers.forEach((n, j) => setNumber(line._numbers[j], shown(n)));
    } else typeset(katex, line, tex);
  });
}

export default function ({ data, parentElement }) {
  let box = parentElement.querySelector(":scope > .lab-equations");
  if (!box) {
    box = document.createElement("div");
    box.className = "lab-equations";
    box.setAttribute("data-testid", "labEquations");
    parentElement.appendChild(box);
  }
  box._data = data;
  streamlitChunk(data.chunk)
    .then((module) => { if (box._data === data) update(module.default, box, data.lines); })
    .catch((e) => console.error("LSTM Lab equations", e));
}
