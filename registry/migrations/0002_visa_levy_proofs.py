from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="iqama", name="levy_paid_until",
            field=models.DateField(blank=True, null=True, verbose_name="dependents' levy paid until",
                                   help_text="Empty: the levy is paid up to the iqama's expiry (renewals pay it with the iqama)."),
        ),
        migrations.AddField(
            model_name="person", name="proof_of_study_on_file",
            field=models.BooleanField(default=False, verbose_name="proof of study on file"),
        ),
        migrations.AddField(
            model_name="person", name="proof_of_single_status_on_file",
            field=models.BooleanField(default=False, verbose_name="proof of single status on file"),
        ),
        migrations.AlterField(
            model_name="fine", name="kind",
            field=models.CharField(choices=[("civil_affairs", "Civil affairs fine"), ("traffic", "Traffic violation"),
                                            ("visa", "Unused exit/re-entry visa fine")], db_index=True, max_length=20, verbose_name="kind"),
        ),
    ]
