"""Stage 6, the views: reports rendered from an assessment (text, Markdown, HTML, SVG), in English or Russian.
A view reads the result and its rule book; it never loads rules, assesses or parses text."""
