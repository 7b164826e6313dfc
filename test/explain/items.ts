// A six-film catalogue with years and genres (one without either), shared by the explanation tests.
import type { Item } from '../../src/data/process.js';

export const items: Item[] = [
  { id: 1, title: 'Heat (1995)', meta: { year: 1995, genres: ['Action', 'Crime'] } },
  { id: 2, title: 'Alien (1979)', meta: { year: 1979, genres: ['Horror', 'Sci-Fi'] } },
  { id: 3, title: 'Ronin (1998)', meta: { year: 1998, genres: ['Action', 'Thriller'] } },
  { id: 4, title: 'Amelie (2001)', meta: { year: 2001, genres: ['Comedy', 'Romance'] } },
  { id: 5, title: 'Collateral (2004)', meta: { year: 2004, genres: ['Action', 'Crime', 'Thriller'] } },
  { id: 6, title: 'Untitled (1990)', meta: { genres: ['(no genres listed)'] } },
];
export const titles = ['', ...items.map((i) => i.title)];
export const catalogue = { titles };
