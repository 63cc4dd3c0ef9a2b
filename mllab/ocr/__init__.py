"""Read handwritten pages: find the characters, classify each crop, print the text, score it."""
