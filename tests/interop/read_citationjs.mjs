// citation-js reading a BibTeX, BibLaTeX or RIS file into CSL-JSON, as reference managers built on it do.
// Usage: node read_citationjs.mjs bibtex|biblatex|ris FILE
// Prints {items: [CSL-JSON items], errors: [...]} as JSON.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
const require = createRequire(import.meta.url)
const { Cite, plugins } = require('@citation-js/core')
require('@citation-js/plugin-bibtex')
require('@citation-js/plugin-ris')

const [format, path] = process.argv.slice(2)
const text = readFileSync(path, 'utf-8')
const errors = []
let items = []
const forceType = { bibtex: '@biblatex/text', biblatex: '@biblatex/text', ris: '@ris/file' }[format]
if (format === 'bibtex') plugins.config.get('@bibtex').parse.biblatex = false
try {
  items = new Cite(text, { forceType }).data
} catch (e) { errors.push(e.message) }
process.stdout.write(JSON.stringify({ items, errors }, null, 2))
