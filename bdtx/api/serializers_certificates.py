"""Certificates as the API shows them: the register's facts and the frozen text, with links to the PDF and to the
public check."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from bdtx.results import certificates
from bdtx.results.models import Certificate


class CertificateSerializer(serializers.ModelSerializer):
    register_number = serializers.CharField(read_only=True, help_text="As printed: 0042/2027-2028")
    school_year = serializers.SerializerMethodField()
    issuer_code = serializers.CharField(source="issuer.code", read_only=True)
    issuer_name = serializers.CharField(source="issuer.name", read_only=True)
    staff_code = serializers.CharField(source="staff.code", read_only=True)
    full_name = serializers.SerializerMethodField()
    status_label = serializers.SerializerMethodField()
    verify_url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = [
            "id", "register_number", "number", "year", "school_year", "issuer", "issuer_code", "issuer_name",
            "staff", "staff_code", "full_name", "result", "status", "status_label", "issued_on", "revoked_at",
            "revoked_reason", "replaces", "code", "verify_url", "pdf_url",
        ]  # fmt: skip
        read_only_fields = fields

    def get_school_year(self, certificate: Certificate) -> str:
        return f"{certificate.year}-{certificate.year + 1}"

    def get_full_name(self, certificate: Certificate) -> str:
        return certificate.data.get("name", "")

    def get_status_label(self, certificate: Certificate) -> str:
        return certificates.status_label(certificate.status)

    def get_verify_url(self, certificate: Certificate) -> str:
        return certificates.verify_url(certificate.code)

    def get_pdf_url(self, certificate: Certificate) -> str:
        return reverse("api:certificate-pdf", kwargs={"pk": certificate.pk}, request=self.context.get("request"))


class CertificateDetailSerializer(CertificateSerializer):
    """With the text as printed: name, birth date, unit, contents and periods, place, date and signer."""

    data = serializers.SerializerMethodField()

    class Meta(CertificateSerializer.Meta):
        fields = [*CertificateSerializer.Meta.fields, "data"]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "object",
            "description": "name, salutation, birth_date (dd/mm/yyyy), unit, year_label, outcome, lines "
            "[{label, periods}], periods, place, date (ISO), signer_title, signer_name, issuer, issuer_parent",
        }
    )
    def get_data(self, certificate: Certificate) -> dict:
        return certificate.data
