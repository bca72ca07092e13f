// Better BibTeX's own parser on a .bib file: prints {errors, entries:[{key, type, fields}]} as JSON.
// Usage: node parse_bib.mjs FILE.bib
import { readFileSync } from 'node:fs'
import { parse } from '@retorquere/bibtex-parser'

const input = readFileSync(process.argv[2], 'utf-8')
const library = parse(input, { sentenceCase: false })
const entries = library.entries.map(e => ({ key: e.key, type: e.type, fields: e.fields }))
process.stdout.write(JSON.stringify({ errors: library.errors, entries }, null, 2))
