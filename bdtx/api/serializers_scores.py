"""What the scores API reads and writes: a class's learners with their scores, the bulk write of scores, and the
completions an LMS pushes. The bodies of the writes are read row by row in views_scores (so that every bad row
is reported with its number); these serializers describe them for the OpenAPI schema."""

from rest_framework import serializers

SCORE_HELP = '0 to 10, at most 2 decimals; a number or a text (7.5 or "7,5")'


class ScoreCellSerializer(serializers.Serializer):
    test = serializers.IntegerField(help_text="The test's id")
    title = serializers.CharField()
    kind = serializers.CharField(help_text="test | assignment | quiz | lms")
    score = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    source = serializers.CharField(help_text="entry | import | quiz | lms", allow_null=True)


class LearnerScoresSerializer(serializers.Serializer):
    enrolment = serializers.IntegerField()
    staff = serializers.IntegerField()
    code = serializers.CharField(help_text="Mã định danh")
    full_name = serializers.CharField()
    unit = serializers.CharField()
    scores = ScoreCellSerializer(many=True, help_text="One per test of the class, in the tests' order")
    final_score = serializers.DecimalField(
        max_digits=4, decimal_places=2, allow_null=True, help_text="Mean of the scores so far"
    )
    outcome = serializers.CharField(help_text="pending | passed | failed (worked out by the completion rule)")
    reasons = serializers.ListField(child=serializers.CharField(), help_text="Why not passed, in the caller's language")


class ScoreWriteItemSerializer(serializers.Serializer):
    test = serializers.IntegerField(help_text="The test's id (one of the class's tests)")
    enrolment = serializers.IntegerField(required=False, help_text="The learner: enrolment id, or…")
    code = serializers.CharField(required=False, help_text="…their Mã định danh, or…")
    email = serializers.EmailField(required=False, help_text="…their e-mail")
    score = serializers.CharField(allow_null=True, help_text=SCORE_HELP + "; null removes the score")
    was = serializers.CharField(
        allow_null=True,
        help_text="The score as you read it (GET), null if none: a score changed by someone else since is refused "
        "(409)",
    )


class ScoreWriteSerializer(serializers.Serializer):
    scores = ScoreWriteItemSerializer(many=True)


class CompletionItemSerializer(serializers.Serializer):
    email = serializers.EmailField(required=False, help_text="The learner's e-mail, or…")
    code = serializers.CharField(required=False, help_text="…their Mã định danh (Moodle's ID number)")
    score = serializers.CharField(required=False, allow_null=True, help_text=SCORE_HELP)
    completed = serializers.BooleanField(
        required=False, allow_null=True, help_text="Completed without a score gives 10; not completed gives none"
    )


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Position of the item in the list sent, from 1")
    key = serializers.CharField(help_text="The e-mail, code or enrolment the row names")
    message = serializers.CharField(help_text="What is wrong and how to put it right, in the caller's language")


class RowErrorsSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = RowErrorSerializer(many=True)


class ScoreWriteResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    removed = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class PushResultSerializer(serializers.Serializer):
    test = serializers.IntegerField(help_text="The LMS test filled (made if the class had none)")
    rows = serializers.IntegerField()
    written = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    without_score = serializers.IntegerField(help_text="Rows not completed and without a score: nothing written")
