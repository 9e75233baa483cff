/*
 * The physical line structure of a Dockerfile.
 *
 * BuildKit's parser (frontend/dockerfile/parser/parser.go) is line oriented: it reads the file
 * with a line scanner and decides per physical line whether it is a parser directive, a comment,
 * an empty line, or text that belongs to an instruction (possibly continued with the escape
 * token, possibly followed by heredoc bodies). Which of those a line is depends on state the
 * grammar cannot see (the escape token chosen by a directive, whether a heredoc is open, whether
 * the directive header is still open), so this grammar classifies physical lines and the Java
 * parser (io.jbuild.frontend.dockerfile.LineParser) assembles logical lines from them:
 *
 *   DIRECTIVE_LINE  '#' key '=' value, a candidate parser directive (syntax, escape, check);
 *                   it is one only while no other line has been seen
 *   COMMENT_LINE    optional blanks, '#', anything: dropped, also inside a continuation
 *   BLANK_LINE      only blanks: ends the directive header, skipped inside a continuation
 *                   (BuildKit warns: NoEmptyContinuation)
 *   TEXT_LINE       anything else: an instruction, a continuation line or a heredoc body line
 *
 * Every line token includes its terminator ("\n" or "\r\n"; none for the last line without
 * one), so token text concatenated is the input and heredoc bodies keep their bytes.
 */
grammar Dockerfile;

dockerfile : line* EOF ;

line : DIRECTIVE_LINE | COMMENT_LINE | BLANK_LINE | TEXT_LINE ;

DIRECTIVE_LINE : BLANK* '#' [ \t]* [a-zA-Z] [a-zA-Z0-9]* [ \t]* '=' ~[\n]* EOL ;

COMMENT_LINE : BLANK* '#' ~[\n]* EOL ;

BLANK_LINE : BLANK* '\n' | BLANK+ ;

TEXT_LINE : BLANK* ~[ \t\r\f\u000B\n#\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000] ~[\n]* EOL ;

fragment EOL : '\n' | EOF_MARK ;
// A line without a terminator at the end of the input: nothing is consumed.
fragment EOF_MARK : ;
// Go's unicode.IsSpace minus '\n': what BuildKit trims from the left of a line.
fragment BLANK : [ \t\r\f\u000B\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000] ;
